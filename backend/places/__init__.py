"""Where an address is: the administrative district parsed from it (a table shipped with the
package), a geocoding service's answer when one is configured, and a cache of both."""
