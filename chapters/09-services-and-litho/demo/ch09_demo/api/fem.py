"""/fem/mock: synthetic FEM data with a known answer, shaped as a POST /analyses body."""

from __future__ import annotations

from flask_restx import Namespace, Resource, inputs, reqparse

from ch09_demo.errors import problem_model
from ch09_demo.services.mock import mock_fem

ns = Namespace("fem", description="Synthetic focus-exposure matrices", path="/fem")
ns.add_model(problem_model.name, problem_model)

def noise_level(value: str) -> float:
    """A CD noise σ in nm, 0 to 5 (reqparse turns the ValueError into a 400)."""
    noise = float(value)
    if not 0.0 <= noise <= 5.0:
        raise ValueError("noise_nm must be between 0 and 5 nm")
    return noise


mock_args = reqparse.RequestParser(bundle_errors=True)
mock_args.add_argument("noise_nm", type=noise_level, default=0.3,
                       help="CD noise σ in nm, 0 to 5")
mock_args.add_argument("seed", type=inputs.natural, default=0, help="random seed, ≥ 0")


@ns.route("/mock")
class MockFem(Resource):
    @ns.expect(mock_args)
    @ns.response(400, "Invalid query parameter", problem_model)
    def get(self):
        """Truth CD = 45 − 45·ln(E/24) + 120·(F − 0.03)² nm on 15 doses × 13 foci, plus noise."""
        args = mock_args.parse_args()
        fem = mock_fem(noise_nm=args["noise_nm"], seed=args["seed"])
        return {"name": f"mock FEM seed {args['seed']}", "target_cd": 45.0,
                "tolerance_pct": 10.0, "measurements": fem.to_dict(orient="records")}
