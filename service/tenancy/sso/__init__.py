"""Single sign-on for people through an OpenID Provider (OpenID Connect)."""
