"""Use cases: one small class per verb; ports come through the constructor, commands are frozen."""
