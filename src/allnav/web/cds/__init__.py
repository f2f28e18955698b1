"""The CDS Hooks 2.0.1 service: discovery, hooks, cards, prefetch and feedback."""
