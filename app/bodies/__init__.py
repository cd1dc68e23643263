"""The bodies that fix things: district akimats and their departments, housing cooperatives,
police departments, utilities; the checklist items each answers for and how it is reached."""
