from setuptools import setup

# A wrapper around a native optimisation library: only setup.py describes it.
setup(
    name="optwrap",
    version="0.3.0",
    packages=["optwrap"],
    python_requires=">=3.8",
    install_requires=["numpy>=1.20", "scipy"],
    extras_require={"test": ["pytest>=7"]},
)
