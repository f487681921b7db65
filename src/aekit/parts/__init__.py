"""Model parts. Importing this package imports every module in it, so each registers its
parts in `aekit.registry`: a new part is a new file here, with no list to extend."""

import importlib
import pkgutil

__all__ = [module.name for module in pkgutil.iter_modules(__path__)]
for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
