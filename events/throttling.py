"""Rate limits of the API beyond DRF's own anonymous and per-account ones: the token endpoint,
where a password can be guessed, gets a strict limit per client address."""

from rest_framework.throttling import SimpleRateThrottle


class SignInRateThrottle(SimpleRateThrottle):
    """Token requests per client address, at the `sign_in` rate.

    django-axes locks a user name after repeated wrong passwords from one address; this stops
    one address from trying many user names. Every other view is left to the other throttles.
    """

    scope = "sign_in"

    def get_cache_key(self, request, view) -> str | None:
        # Imported here: DRF loads this class while defining APIView, which the token view extends.
        from rest_framework.authtoken.views import ObtainAuthToken

        if not isinstance(view, ObtainAuthToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
