"""A local stand-in for the Booking.com Connectivity API. Imports nothing from channel_manager."""
