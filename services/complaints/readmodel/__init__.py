"""Read models of the complaints service: projections of its events, rebuildable at will."""
