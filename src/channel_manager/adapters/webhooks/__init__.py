"""Webhook deliveries over HTTP (issue 18)."""
