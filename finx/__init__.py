"""Generated Python bindings of the finx API (`proto/finx/...`): run `make proto` to regenerate."""
