"""Exports in the conventions of the field: Wikidata QuickStatements and Popolo JSON, from the read model."""
