"""Values inside a schema's data: how they are named (`paths`), where each comes from in the
document (`grounding`), what a written value means canonically (`normalise`: dates, durations,
names, amounts) and the walk over a schema's strings that ties them together (`sources`). Knows
schemas; nothing about engines, prompts or the service.
"""
