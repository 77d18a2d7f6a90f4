"""The test suite. Its folders mirror the rooms of the package; helpers are imported from here."""
