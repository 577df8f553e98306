"""Tests of the Booking.com sandbox (the other side of the wire)."""
