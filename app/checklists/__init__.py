"""The checklist: versioned data files, their schema and loader."""
