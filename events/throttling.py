"""Rate limits of the API: DRF's anonymous and per-account ones, with each client's request times
kept compactly, and the token endpoint, where a password can be guessed, with a strict limit per
client address."""

from array import array

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class CompactHistory:
    """A throttle whose request times are stored as an array of floats rather than a list: the
    cache pickles them on every request, and a list of a minute's requests at a high rate (the
    benchmark allows 100,000,000 a minute) took about 0.15 ms per throttle to pickle and unpickle,
    an array a few microseconds. The same times and the same decisions: the array holds the same
    doubles, and DRF's SimpleRateThrottle reads and trims it as it does a list."""

    def throttle_success(self):
        if not isinstance(self.history, array):
            self.history = array("d", self.history)
        return super().throttle_success()


class AnonymousRateThrottle(CompactHistory, AnonRateThrottle):
    """DRF's AnonRateThrottle (scope `anon`, per client address)."""


class AccountRateThrottle(CompactHistory, UserRateThrottle):
    """DRF's UserRateThrottle (scope `user`, per account, or per address when anonymous)."""


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
