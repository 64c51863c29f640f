"""finx training, evaluation, retraining and the adapter registry."""
