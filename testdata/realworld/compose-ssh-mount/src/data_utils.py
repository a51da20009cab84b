import pandas as pd


def read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path)
