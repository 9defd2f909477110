"""Phone alignment: TextGrid io, the built-in aligner for the SVD sentence, the MFA backend."""
