"""channel-manager: connects a property manager's system to Booking.com."""
