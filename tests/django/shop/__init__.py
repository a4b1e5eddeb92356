"""The test service's application: a model and the views that send the login event."""
