echo x > old
