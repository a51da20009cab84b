import os

import joblib
import uvicorn
from fastapi import FastAPI

app = FastAPI(title="absence model")
model = joblib.load(os.environ.get("MODEL_PATH", "models/model.pkl"))


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/predict")
def predict(features: list[float]) -> dict:
    return {"hours": float(model.predict([features])[0])}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)
