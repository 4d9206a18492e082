"""The services the API's routes and the console both call: routes stay thin, the console never
calls a route."""
