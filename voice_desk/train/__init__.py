"""Training the two study configurations (ast_freeze, ast_finetuned) and evaluating them."""
