"""Identity-provider tolerances: the policy switches and their presets (one per IdP)."""
