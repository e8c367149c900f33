"""notes_pipeline: notes dropped into a bucket become a narrated explainer video."""
