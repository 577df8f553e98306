"""End-to-end suite: our service and the Booking.com sandbox talking real HTTP on loopback."""
