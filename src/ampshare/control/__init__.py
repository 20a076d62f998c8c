"""The control loop: readings in, allocation and safe transitions, commands out."""
