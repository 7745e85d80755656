"""Control charts, run rules, and limit rules with their judgement (what a ControlChart shows)."""
