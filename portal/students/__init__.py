"""Students: the profile of each graduating student (the ledger and caseloads build on it)."""
