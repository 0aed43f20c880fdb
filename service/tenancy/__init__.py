"""Who may do what: credentials, scopes, access rules, quotas, usage, and their administration."""
