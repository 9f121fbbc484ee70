"""Cases are handled in the portal's own pages, where every action is guarded and logged; the
admin only reads the counters that number documents."""
