"""Item pipelines: attachments (100, crawler), check (300) and store (500) of the sweep."""
