"""HTTP plumbing shared by both edges (the REST API and the ChatKit runtime); it imports neither."""
