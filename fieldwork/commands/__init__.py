"""CLI commands: thin wrappers over the services the web app uses."""
