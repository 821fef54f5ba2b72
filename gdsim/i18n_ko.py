"""Korean translations of gdsim's explanatory texts, keyed by the English template."""

KO: dict[str, str] = {}
