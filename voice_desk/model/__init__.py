"""Models: bundles (load/save + model card), features, rollout, the predict/explain engine."""
