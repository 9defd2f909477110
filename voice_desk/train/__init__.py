"""Training both study configurations: recipes, embedding cache, head training,
fine-tuning, metrics and the runner the CLI and the wizard share."""
