"""Datasets: the Saarbruecken Voice Database, CSV manifests, label maps, speaker-disjoint splits."""
