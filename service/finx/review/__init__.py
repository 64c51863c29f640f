"""The review page (`finx review`): people check the least confident values of a batch in a
browser, and their corrections become labeled examples for `finx retrain`."""
