"""Paper: questionnaire downloads, personalised mail-out packs and reminder waves."""
