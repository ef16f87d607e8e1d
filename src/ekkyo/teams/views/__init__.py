"""Pages of the teams app: organisation overview, team map, Team API, scorecards."""
