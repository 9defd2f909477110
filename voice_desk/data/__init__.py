"""Training data: the Saarbruecken Voice Database (through sbvoicedb), CSV manifests,
diagnosis maps (organic / functional / other) and speaker-disjoint splits."""
