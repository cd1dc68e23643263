"""Photos: one optional picture per checklist item, stored apart from the submission."""
