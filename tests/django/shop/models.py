"""The service's own data, written in the same transaction as the events."""
from django.db import models


class Login(models.Model):
    """A login the service recorded."""

    username = models.CharField(max_length=100)

    def __str__(self):
        """The username."""
        return self.username
