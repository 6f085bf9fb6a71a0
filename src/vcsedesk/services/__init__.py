"""Services: every change a person makes to data goes through one of these modules."""
