"""Pure rules and value types. Imports nothing of ours outside ``domain`` and no Qt."""
