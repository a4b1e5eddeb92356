"""The Login table."""
from django.db import migrations, models


class Migration(migrations.Migration):
    """Create shop_login."""

    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Login",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(max_length=100)),
            ],
        ),
    ]
