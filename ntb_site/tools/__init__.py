"""Tools over a published site: a headless-browser check and the README's screenshots."""
