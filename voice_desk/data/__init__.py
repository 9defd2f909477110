"""Training data: the Saarbrücken Voice Database (through sbvoicedb), CSV manifests,
diagnosis maps (organic / functional / other) and speaker-disjoint splits."""
