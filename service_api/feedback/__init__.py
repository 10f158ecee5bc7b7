"""What residents think of the handling: satisfaction surveys (回访) and ratings."""
