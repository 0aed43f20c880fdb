"""Administration shared by the CLI and the HTTP admin API: one set of rules, two front ends."""
